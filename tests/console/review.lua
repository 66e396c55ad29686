-- Hooks of review.yaml: fetch is busy on its first two attempts.
function fetch(args, ctx)
  if ctx.attempt < 3 then
    error({ type = "Fetch.Busy", message = "busy on attempt " .. ctx.attempt })
  end
  return { doc = args.doc, pages = 3 }
end

function check(args, ctx)
  return { ok = true }
end
