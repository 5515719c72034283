// How the Redis queue stores a job's body (the `jobs` hash): a MessagePack array of the job's
// fields, instants as microseconds since the epoch. It is written on every enqueue and read on
// every take, so it avoids the JSON object's keys and ISO-8601 text, the largest client cost.
//
// Bodies written by earlier versions are the job's JSON object (ToJson in domain/dialer_job.h);
// DecodeJobBody reads both, so a queue upgraded in place keeps its jobs. Pure functions; any
// thread.
#pragma once

#include <string>
#include <string_view>

#include "domain/dialer_job.h"
#include "domain/error.h"

namespace talky {

// The current format, for the jobs hash.
std::string EncodeJobBody(const DialerJob& job);

// A body in the current format or the earlier JSON. kInvalidArgument names what is wrong: an
// unreadable encoding, a missing or mistyped field, an unknown status or outcome, a priority
// outside 1-10, an attempt below 1, an empty job, tenant or campaign id.
Expected<DialerJob> DecodeJobBody(std::string_view body);

}  // namespace talky
