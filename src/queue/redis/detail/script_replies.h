// What the Redis queue's scripts answer (lua_scripts.h documents each reply), decoded in one
// checked function per reply shape. A reply of another shape (a script and its decoder out of
// step, or something else writing our keys) is a kInternal error that says what was wrong, never
// a read out of bounds. Pure functions; any thread.
#pragma once

#include <string>
#include <vector>

#include "domain/error.h"
#include "queue/job_queue.h"
#include "redis/redis_reply.h"

namespace talky::redis_detail {

using redis::ReplyView;

struct TakeReply {
  enum class Status { kOk, kStale, kMaintain };
  Status status = Status::kOk;
  // Each job handed out, status processing, under a lease with `token` and the script's expiry.
  std::vector<TakenJob> taken;
  // kStale: the head of the tenant rotation, to declare on the next take, and how many tenants of
  // the rotation the take had looked at when it stopped, to pass on to the next take.
  std::vector<std::string> ring_head;
  std::int64_t tenants_looked_at = 0;
};

// The take script's reply: {status, count, (id, body, expires_us) * count [, ring head, looked
// at]}.
Expected<TakeReply> DecodeTakeReply(const ReplyView& reply, const std::string& token);

// The finish script's reply: one integer per lease, in the order sent: 1 finished, 0 the lease was
// no longer current. Returns, for each lease, whether it was finished.
Expected<std::vector<bool>> DecodeFinishReply(const ReplyView& reply, std::size_t leases);

struct DueCandidate {
  std::string job_id;
  std::string tenant;
};

// The due-candidates script's reply: {id, meta JSON, id, meta JSON, ...}.
Expected<std::vector<DueCandidate>> DecodeDueCandidates(const ReplyView& reply);

}  // namespace talky::redis_detail
