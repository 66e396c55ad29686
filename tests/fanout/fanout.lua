-- Hooks of the fan-out test workflows. No state between calls.

function echo(args, ctx)
  return args
end

-- Charges one order line; a line with `fail = true` is declined.
function charge(args, ctx)
  if args.line.fail then
    error({ type = "Charge.Declined", message = "line " .. args.index .. " declined" })
  end
  return { line = args.index, amount = args.line.amount }
end

function boom(args, ctx)
  error({ type = "Boom", message = "it broke", data = { where = ctx.operation } })
end

-- Polls a job that is ready at the `ready_at`-th look: the state counts the looks.
function poll(args, ctx)
  local tries = (args.state and args.state.tries or 0) + 1
  return { tries = tries, ready = tries >= args.ready_at }
end
