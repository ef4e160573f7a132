-- One dedup claim, atomically (see store.go and dedup.Store).
-- ARGV: 1 prefix, 2 current bucket label, 3 previous bucket label,
-- 4 expiry of current-bucket keys (unix s), 5 shards, 6 band shards,
-- 7 max ids per band, 8 encoded id, 9 content hash (16 bytes), 10 URL hash
-- or "", 11 sketch, 12.. band keys (8 bytes each).
-- Reply: {existed 0|1, previous hash or "", revision, seq (8 bytes),
-- owner or "", URL owner or "", candidate id, candidate record .. sketch, ...}.
--
-- Calls are what a script costs, so the common case (a new article) makes
-- two per index entry — HSETNX into the current bucket, HGET of the
-- previous one — and one EXPIREAT per key written.
local prefix, cur, prev, expat = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local shards, bshards, maxids = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local id, h, u, sk = ARGV[8], ARGV[9], ARGV[10], ARGV[11]

local icur, iprev = prefix .. 'i:' .. cur, prefix .. 'i:' .. prev
local xcur, xprev = prefix .. 'x:' .. cur, prefix .. 'x:' .. prev
local bcur, bprev = prefix .. 'b:' .. cur, prefix .. 'b:' .. prev
local touched = {}

local function shard(f, n)
  local a, b = string.byte(f, 1, 2)
  if a == 0 or #f < 3 then
    -- A raw (non-hex) id: its leading bytes are not uniform, hash it.
    local x = 0
    for j = 1, #f do x = (x * 31 + string.byte(f, j)) % 65536 end
    return x % n
  end
  -- Three leading bytes, so more than 65,536 shards are usable.
  return (a * 65536 + b * 256 + string.byte(f, 3)) % n
end

-- setnx stores v under f unless either bucket holds f, and returns the key
-- written and what was held (false when v was stored). A value found in the
-- previous bucket stays there (the speculative write is undone), so a
-- claim is never kept longer because it was seen again.
local function setnx(kc, kp, f, v)
  if redis.call('HSETNX', kc, f, v) == 0 then
    return redis.call('HGET', kc, f)
  end
  local old = redis.call('HGET', kp, f)
  if old then
    redis.call('HDEL', kc, f)
    return old
  end
  touched[kc] = true
  return false
end

-- Id index: hash, revision and sequence number under the id, the sketch
-- under "s" .. id in the same hash (two values, so each stays within
-- hash-max-listpack-value and the hash stays compact).
local ishard = ':' .. shard(id, shards)
local ik, ipk = icur .. ishard, iprev .. ishard
local seq = struct.pack('>I8', redis.call('INCR', prefix .. 'seq'))
local rec = setnx(ik, ipk, id, h .. struct.pack('>I4', 0) .. seq)
local existed, prevh, rev = 0, '', 0
if rec then
  existed = 1
  prevh = string.sub(rec, 1, 16)
  rev = struct.unpack('>I4', rec, 17)
  seq = string.sub(rec, 21, 28)
  if prevh ~= h then
    rev = rev + 1
    redis.call('HSET', ik, id, h .. struct.pack('>I4', rev) .. seq, 's' .. id, sk)
    touched[ik] = true
  end
else
  redis.call('HSET', ik, 's' .. id, sk)
end

-- Exact index: the first id to claim a hash keeps it.
local function exact(f)
  local s = ':' .. shard(f, shards)
  return setnx(xcur .. s, xprev .. s, f, id) or ''
end
local owner = exact(h)
local uowner = ''
if u ~= '' then uowner = exact(u) end

-- Near index: list the ids under each band, then add this one.
local entry = string.char(#id) .. id
local seen, cands = {}, {}
local function scan(v)
  local j, present, n = 1, false, 0
  while j <= #v do
    local len = string.byte(v, j)
    local c = string.sub(v, j + 1, j + len)
    if c == id then
      present = true
    elseif not seen[c] then
      seen[c] = true
      cands[#cands + 1] = c
    end
    j = j + 1 + len
    n = n + 1
  end
  return present, n
end
for i = 12, #ARGV do
  local f = ARGV[i]
  local s = ':' .. shard(f, bshards)
  local kc = bcur .. s
  local vp = redis.call('HGET', bprev .. s, f) or ''
  if redis.call('HSETNX', kc, f, entry) == 1 then
    touched[kc] = true
    scan(vp)
  else
    local vc = redis.call('HGET', kc, f)
    local present, n = scan(vc .. vp)
    if not present and n < maxids then
      redis.call('HSET', kc, f, vc .. entry)
    end
  end
end

for k in pairs(touched) do redis.call('EXPIREAT', k, expat) end

local out = {existed, prevh, rev, seq, owner, uowner}
for _, c in ipairs(cands) do
  local s = ':' .. shard(c, shards)
  local r = redis.call('HMGET', icur .. s, c, 's' .. c)
  if not r[1] then r = redis.call('HMGET', iprev .. s, c, 's' .. c) end
  if r[1] then
    out[#out + 1] = c
    out[#out + 1] = r[1] .. (r[2] or '')
  end
end
return out
