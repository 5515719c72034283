// Server-Sent Events (the WHATWG "text/event-stream" format), read incrementally as a response
// body arrives in pieces of any size: lines end in LF, CR or CRLF (a CRLF split across pieces is
// one end); `data:` lines join with "\n"; a blank line dispatches the event; lines starting with
// ':' are comments (keep-alives); a field without ':' has an empty value; one space after the
// colon is dropped; a leading byte-order mark is skipped. OpenAI-compatible chat completions
// stream this way.
//
// A line longer than max_line_bytes is an error (a peer that never ends a line must not grow us
// without bound); after an error the reader reads nothing more. Not thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "domain/error.h"

namespace talky {

struct ServerSentEvent {
  std::string event = "message";  // the `event:` field, or "message"
  std::string data;
  std::optional<std::string> id;  // the last `id:` seen, this event's or an earlier one's

  bool operator==(const ServerSentEvent&) const = default;
};

class ServerSentEventReader {
 public:
  explicit ServerSentEventReader(std::size_t max_line_bytes = 1 << 20)
      : max_line_bytes_(max_line_bytes) {}

  // The events completed by this piece, in order; InvalidArgument once a line is too long.
  Expected<std::vector<ServerSentEvent>> Feed(std::string_view piece);

 private:
  void Line(std::string_view line, std::vector<ServerSentEvent>& out);

  std::size_t max_line_bytes_;
  std::string line_;
  bool started_ = false;   // past a possible byte-order mark
  bool after_cr_ = false;  // the last byte was a CR: an LF next is the same line end
  bool failed_ = false;
  bool has_data_ = false;
  ServerSentEvent pending_;
  std::optional<std::string> last_id_;
};

}  // namespace talky
