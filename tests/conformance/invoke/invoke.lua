-- The Lua hooks of the invoke suite's workflows (tests/conformance/invoke/).

-- Returns args.value, and says so on stderr (once per run of the step).
function echo(args, ctx)
  ctx.log("step " .. ctx.operation .. " returns " .. tostring(args.value))
  return args.value
end
