-- Hands the payload back after a walk through Lua: tables, sequences,
-- numbers, strings and cairn.json.null all cross the boundary twice.
function echo(args, ctx)
  local got = args.got
  if type(got) == "table" and got.raise ~= nil then
    error({ type = tostring(got.raise), message = tostring(got.message), data = got.data })
  end
  return { got = got, n = args.n, attempt = ctx.attempt }
end
