-- Hooks of steps.yaml. The text is embedded as it is: "quotes", \backslashes\,
-- tabs	and trigraph-looking ??= sequences survive, and UTF-8: café.
function fetch(args, ctx)
  return { a = args.id, b = args.count, where = "caf\u{e9}" }
end
