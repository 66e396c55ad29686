function fetch(args, ctx)
  if ctx.attempt < 3 then
    error({ type = "Http.Status.503", message = "Service Unavailable" })
  end
  return { value = 42, attempt = ctx.attempt }
end
