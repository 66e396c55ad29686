-- Hooks of lambda_big.yaml.

-- A result of kib KiB: the piece's letter repeated.
function blob(args, ctx)
  return { piece = args.piece, text = string.rep(string.char(96 + args.piece), args.kib * 1024) }
end

-- What the items made, in short: each piece, its text's length and first letter.
function digest(args, ctx)
  local out = {}
  for i, m in ipairs(args.made) do
    out[i] = { piece = m.piece, length = #m.text, letter = m.text:sub(1, 1) }
  end
  return out
end
