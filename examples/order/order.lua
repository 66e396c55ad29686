-- order.lua — the Lua hooks of order.yaml.
--
-- Hooks are called as NAME(args, ctx): args is the step's evaluated `with`,
-- ctx has execution_id, operation, attempt (1-based) and log(). A hook
-- returns its result, or raises a typed error with error({type=..., ...}).
-- The runtime may make a new Lua state for any call: nothing here keeps
-- state between calls; the catalogue is a constant rebuilt on each load.

local CATALOGUE = {
  ["BOOK-1"] = { name = "The Art of Computer Programming", price = 189.00, stock = 5 },
  ["MUG-7"]  = { name = "Cairn mug", price = 12.50, stock = 40 },
  ["LAMP-3"] = { name = "Desk lamp", price = 49.90, stock = 2 },
  ["TENT-2"] = { name = "Four-season tent", price = 1350.00, stock = 3 },
}

local function cents(x)
  return math.floor(x * 100 + 0.5) / 100
end

-- Prices every line from the catalogue. Raises Order.Invalid for an item
-- the shop does not sell.
function validate_order(args, ctx)
  local lines, total, count = {}, 0, 0
  for i, item in ipairs(args.items) do
    local entry = CATALOGUE[item.sku]
    if entry == nil then
      error({ type = "Order.Invalid",
              message = string.format("item %d: unknown SKU '%s'", i, tostring(item.sku)),
              data = { sku = item.sku, line = i } })
    end
    local amount = cents(entry.price * item.qty)
    lines[#lines + 1] = { sku = item.sku, name = entry.name, qty = item.qty,
                          price = entry.price, amount = amount }
    total = total + amount
    count = count + item.qty
  end
  ctx.log(string.format("order %s: %d lines, total %.2f", args.order_id, #lines, total))
  return { id = args.order_id, lines = lines, count = count,
           total = cents(total), currency = "EUR" }
end

-- Reserves the stock of every line. The inventory service answers "busy"
-- to a first attempt (as a contended lock would), so the retry really runs;
-- a line wanting more than the stock raises Inventory.OutOfStock.
function reserve_stock(args, ctx)
  if ctx.attempt == 1 then
    error({ type = "Inventory.Busy", message = "inventory is locked by another order; try again" })
  end
  for _, line in ipairs(args.lines) do
    local stock = CATALOGUE[line.sku].stock
    if line.qty > stock then
      error({ type = "Inventory.OutOfStock",
              message = string.format("only %d of %s left, %d wanted", stock, line.sku, line.qty),
              data = { sku = line.sku, wanted = line.qty, available = stock } })
    end
  end
  ctx.log(string.format("reserved %d lines on attempt %d", #args.lines, ctx.attempt))
  return { id = "rsv-" .. args.order_id, lines = #args.lines, attempt = ctx.attempt }
end

-- Gives back what reserve_stock took (the compensation of a failed charge).
function release_stock(args, ctx)
  ctx.log(string.format("releasing %s (%s)", tostring(args.reservation), tostring(args.reason)))
  return { released = args.reservation, reason = args.reason }
end

-- Books the parcel. The tracking number derives from the order, so a
-- retried call books the same parcel again.
function create_shipment(args, ctx)
  local city = "pickup point"
  if type(args.address) == "table" and args.address.city then
    city = args.address.city
  end
  return { tracking = "TRK-" .. args.order_id, carrier = "cairn-post", to = city }
end
