-- The Lua hooks of the callback suite's workflows (tests/conformance/callback/).

-- A do-nothing step between creating a callback and awaiting it.
function noop(args, ctx)
  return "done"
end

-- result decoder of 4-16: the raw payload "42" becomes the number 42.
function to_number(text, ctx)
  local n = tonumber(text)
  if n == nil then
    error({ type = "Payload.NotANumber", message = "not a number: " .. text })
  end
  return n
end
