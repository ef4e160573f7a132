-- One template observation, atomically (see templates.go).
-- KEYS: 1 counts hash (line hash → pages holding it), 2 pages hash (page
-- key → its line hashes, packed), 3 ring list (page keys, oldest first).
-- ARGV: 1 page key (8 bytes), 2 window, 3 idle TTL (ms), 4 the page's
-- distinct line hashes, packed 8 bytes each.
-- Reply: {pages in the window, count of line 1, count of line 2, ...}.
--
-- The first write is the HSET of the page: a Redis refusing writes (OOM
-- under noeviction) fails the script there, before anything was changed.
local counts, pages, ring = KEYS[1], KEYS[2], KEYS[3]
local page, window, ttl, lines = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
local n = #lines / 8

if redis.call('HSETNX', pages, page, lines) == 1 then
  for i = 1, #lines, 8 do
    redis.call('HINCRBY', counts, string.sub(lines, i, i + 7), 1)
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
        if redis.call('HINCRBY', counts, h, -1) <= 0 then
          redis.call('HDEL', counts, h)
        end
      end
    end
  end
end

local out = {redis.call('HLEN', pages)}
-- HMGET in chunks: unpack() of a very long page would overflow Lua's stack.
local chunk = 1000
for first = 0, n - 1, chunk do
  local fields = {}
  for i = first, math.min(first + chunk, n) - 1 do
    fields[#fields + 1] = string.sub(lines, i * 8 + 1, i * 8 + 8)
  end
  local got = redis.call('HMGET', counts, unpack(fields))
  for j = 1, #got do
    out[#out + 1] = tonumber(got[j]) or 0
  end
end

redis.call('PEXPIRE', counts, ttl)
redis.call('PEXPIRE', pages, ttl)
redis.call('PEXPIRE', ring, ttl)
return out
