-- approval.lua — the Lua hooks of approval.yaml.
--
-- Both hooks POST a JSON message to the inbox URL of the input with
-- cairn.http.request. The inbox answers 2xx, else the hook raises
-- Inbox.Unavailable, which the operation's retry tries again. Nothing here
-- keeps state between calls.

-- Posts message (a table) to url; returns the response or raises.
local function post(url, message)
  local res = cairn.http.request{
    method = "POST",
    url = url,
    headers = { ["Content-Type"] = "application/json" },
    body = cairn.json.encode(message),
  }
  if res.status < 200 or res.status > 299 then
    error({ type = "Inbox.Unavailable",
            message = "the inbox answered " .. res.status,
            data = { status = res.status } })
  end
  return res
end

-- The submitter of manager-approval: hands the callback id to the manager.
function notify_manager(args, ctx)
  post(args.inbox, {
    kind = "approval-request",
    callback_id = ctx.callback_id,
    request = args.request,
    amount = args.amount,
    item = args.item,
  })
  ctx.log("asked the manager about " .. args.request .. " (attempt " .. ctx.attempt .. ")")
  return { notified = true }
end

-- After a Callback.Timeout or Callback.Heartbeat: tells the director.
function escalate(args, ctx)
  local ticket = "ESC-" .. args.request
  post(args.inbox, {
    kind = "escalation",
    request = args.request,
    amount = args.amount,
    reason = args.reason,
    ticket = ticket,
  })
  ctx.log("escalated " .. args.request .. ": " .. args.reason)
  return { ticket = ticket }
end
