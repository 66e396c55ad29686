function to_number(text, ctx)
  return tonumber(text)
end

function shout_body(args, ctx)
  return args.text
end

function upper(value, ctx)
  return string.upper(value)
end
