-- Says it has begun (ctx.log goes to serve's stderr), then works a while.
function grind(args, ctx)
  ctx.log("grinding")
  local x = 0
  for i = 1, 10000000 do
    x = x + i % 7
  end
  return { sum = x }
end
