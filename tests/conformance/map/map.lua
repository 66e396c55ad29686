-- The Lua hooks of the map suite's workflows (tests/conformance/map/).

-- "Hello, <name>!"
function greet(args, ctx)
  ctx.log("step " .. ctx.operation .. " greets " .. args.name)
  return "Hello, " .. args.name .. "!"
end

-- Returns args.value, and says so on stderr (once per run of the step).
function echo(args, ctx)
  ctx.log("step " .. ctx.operation .. " returns " .. tostring(args.value))
  return args.value
end
