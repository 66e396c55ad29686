-- The golden case's check: one look at the export job.
function check_export(args, ctx)
  return { polls = args.state.polls + 1, job = args.job, status = "RUNNING" }
end
