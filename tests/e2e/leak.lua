-- Reports what an earlier call left behind, then leaves some of it itself:
-- a global, a field of a library table, a field of the string metatable, a
-- changed library value, a metatable on _G, a removed base function, and
-- the chunk's own local.
local calls = 0

function probe(args, ctx)
  calls = calls + 1
  local seen = {
    calls = calls,
    global = rawget(_G, "left_behind"),
    string_field = string.left_behind,
    string_meta = getmetatable("").left_behind,
    pi = math.pi,
    g_meta = getmetatable(_G) ~= nil,
    tostring_gone = tostring == nil,
  }
  left_behind = ctx.execution_id
  string.left_behind = ctx.execution_id
  getmetatable("").left_behind = ctx.execution_id
  math.pi = 3
  setmetatable(_G, { __index = function() return "from a metatable" end })
  tostring = nil
  return seen
end
