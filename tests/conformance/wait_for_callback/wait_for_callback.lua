-- The Lua hooks of the wait_for_callback suite's workflows.

-- A submitter that hands the callback id to nobody: the test answers it.
function submit(args, ctx)
  return { submitted = ctx.callback_id }
end

-- A submitter whose outside system is down on every attempt.
function submit_down(args, ctx)
  error({ type = "Submit.Unavailable", message = "the approval service is down" })
end

function fixed_data(args, ctx)
  return { data = "fixed" }
end
