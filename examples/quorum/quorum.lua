-- quorum.lua — the Lua hooks of quorum.yaml. No network, no state between
-- calls: a real deployment would post to a chat or an inbox here (see
-- examples/approval for a submitter that POSTs).

-- The submitter of each ask-* operation: "notifies" the approver of the
-- request, handing them the callback id to answer (here: in the log).
function notify(args, ctx)
  ctx.log("asked " .. args.approver .. " about " .. args.request ..
          ": callback " .. ctx.callback_id)
  return { notified = args.approver }
end

-- After Parallel.ToleranceExceeded: records the escalation. outcomes is the
-- parallel's items (one per approver who was asked, in branch order); each
-- becomes {approver, outcome}: approved (with who), rejected (with the
-- reason the approver gave), timed out, or cancelled.
function escalate(args, ctx)
  local outcomes = {}
  for _, item in ipairs(args.outcomes) do
    local o = { approver = item.name }
    if item.status == "SUCCEEDED" then
      o.outcome = "approved"
      o.by = item.result.by
    elseif item.status == "FAILED" and item.error.type == "Callback.Timeout" then
      o.outcome = "no answer"
    elseif item.status == "FAILED" then
      o.outcome = "rejected"
      o.reason = item.error.message
    else
      o.outcome = string.lower(item.status)
    end
    outcomes[#outcomes + 1] = o
  end
  ctx.log("escalated " .. args.request .. " to the director")
  return { ticket = "ESC-" .. args.request, outcomes = outcomes }
end
