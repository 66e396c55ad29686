-- The Lua hooks of the child suite's workflows (tests/conformance/child/).

-- Returns args.value, and says so on stderr (once per run of the step).
function echo(args, ctx)
  ctx.log("step " .. ctx.operation .. " returns " .. tostring(args.value))
  return args.value
end

-- Always raises.
function always_fails(args, ctx)
  error({ type = "Child.StepFailed", message = "step " .. ctx.operation .. " failed, attempt " .. ctx.attempt })
end

-- Raises on the first attempt, returns args.value on the next.
function fails_once(args, ctx)
  if ctx.attempt == 1 then
    error({ type = "Child.StepFailed", message = "first attempt fails" })
  end
  return args.value
end
