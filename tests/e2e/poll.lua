-- The status a polled service reports: done on pass `done_at`.
function check_status(args, ctx)
  local state = "pending"
  if args.pass >= args.done_at then
    state = "done"
  end
  return { pass = args.pass, state = state, label = args.label }
end
