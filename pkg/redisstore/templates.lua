-- One template observation, atomically (see templates.go).
-- KEYS: 1 counts hash (line hash → pages holding it), 2 pages hash (page
-- key → its line hashes, packed), 3 ring list (page keys, oldest first).
-- ARGV: 1 page key (8 bytes), 2 window, 3 idle TTL (ms), 4 the page's
-- distinct line hashes, packed 8 bytes each.
-- Reply: {pages in the window, count of line 1, count of line 2, ...}.
--
-- Calls are what a script costs, so counts are read with one HMGET,
-- changed in Lua and written back with one HSET and one HDEL (in chunks),
-- rather than one HINCRBY per line: a new page whose arrival evicts the
-- oldest one makes about ten calls whatever its number of lines.
--
-- The first write is the HSETNX of the page: a Redis refusing writes (OOM
-- under noeviction) fails the script there, before anything was changed.
local counts, pages, ring = KEYS[1], KEYS[2], KEYS[3]
local page, window, ttl, lines = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local chunk = 1000 -- fields per call: unpack() of more could overflow Lua's stack

-- hmget returns the counts of fields (a list of line hashes) as numbers.
local function hmget(fields)
  local out = {}
  for first = 1, #fields, chunk do
    local got = redis.call('HMGET', counts, unpack(fields, first, math.min(first + chunk - 1, #fields)))
    for j = 1, #got do out[#out + 1] = tonumber(got[j]) or 0 end
  end
  return out
end

-- call runs cmd on counts with args in chunks of at most chunk elements.
local function call(cmd, args, step)
  local size = chunk * step
  for first = 1, #args, size do
    redis.call(cmd, counts, unpack(args, first, math.min(first + size - 1, #args)))
  end
end

local mine = {}
for i = 1, #lines, 8 do mine[#mine + 1] = string.sub(lines, i, i + 7) end

local result
if redis.call('HSETNX', pages, page, lines) == 1 then
  -- delta: line → change of its count; order: the lines touched, the
  -- page's own first so that their new counts are the reply's.
  local delta, order = {}, {}
  for _, h in ipairs(mine) do
    delta[h] = 1
    order[#order + 1] = h
  end
  local len = redis.call('RPUSH', ring, page)
  while len > window do
    local old = redis.call('LPOP', ring)
    len = len - 1
    local held = redis.call('HGET', pages, old)
    if held then
      redis.call('HDEL', pages, old)
      for i = 1, #held, 8 do
        local h = string.sub(held, i, i + 7)
        if delta[h] == nil then
          delta[h] = 0
          order[#order + 1] = h
        end
        delta[h] = delta[h] - 1
      end
    end
  end
  local now = hmget(order)
  local set, del = {}, {}
  for i, h in ipairs(order) do
    local d = delta[h]
    if d ~= 0 then
      local n = now[i] + d
      now[i] = n
      if n > 0 then
        set[#set + 1] = h
        set[#set + 1] = n
      else
        del[#del + 1] = h
      end
    end
  end
  if #set > 0 then call('HSET', set, 2) end
  if #del > 0 then call('HDEL', del, 1) end
  result = {len}
  for i = 1, #mine do result[i + 1] = now[i] end
else
  result = {redis.call('HLEN', pages)}
  local now = hmget(mine)
  for i = 1, #mine do result[i + 1] = now[i] end
end

redis.call('PEXPIRE', counts, ttl)
redis.call('PEXPIRE', pages, ttl)
redis.call('PEXPIRE', ring, ttl)
return result
