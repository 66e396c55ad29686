-- The Lua hooks of the wait_for_condition suite's workflows
-- (tests/conformance/wait_for_condition/).

-- A counter: the new state is the old one plus one.
-- A counter: the new state is the old one plus one. Logs both, so a case can
-- check which states were threaded from one check to the next.
function increment(args, ctx)
  ctx.log("check " .. ctx.operation .. ": " .. args.state .. " -> " .. (args.state + 1))
  return args.state + 1
end

-- Returns the state unchanged.
function unchanged(args, ctx)
  return args.state
end

-- Returns null whatever the state.
function nothing(args, ctx)
  return nil
end

-- Always raises.
function broken_check(args, ctx)
  error({ type = "Check.Failed", message = "the check raised" })
end

-- {status, attempts}: one more attempt; DONE from the second on.
function track(args, ctx)
  local attempts = args.state.attempts + 1
  local status = "PENDING"
  if attempts >= 2 then
    status = "DONE"
  end
  return { status = status, attempts = attempts }
end

-- Multiplies by ten.
function times_ten(args, ctx)
  return args.value * 10
end
