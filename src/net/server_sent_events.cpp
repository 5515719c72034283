#include "net/server_sent_events.h"

#include <utility>

namespace talky {

Expected<std::vector<ServerSentEvent>> ServerSentEventReader::Feed(std::string_view piece) {
  auto too_long = [this] {
    return std::unexpected(Error::InvalidArgument("an event-stream line is longer than " +
                                                  std::to_string(max_line_bytes_) + " bytes"));
  };
  if (failed_) return too_long();
  std::vector<ServerSentEvent> events;
  while (!piece.empty()) {
    if (after_cr_) {
      after_cr_ = false;
      if (piece.front() == '\n') piece.remove_prefix(1);
      continue;
    }
    const std::size_t end = piece.find_first_of("\r\n");
    const std::string_view text = piece.substr(0, end);
    if (line_.size() + text.size() > max_line_bytes_) {
      failed_ = true;
      return too_long();
    }
    line_.append(text);
    if (end == std::string_view::npos) break;
    after_cr_ = piece[end] == '\r';
    piece.remove_prefix(end + 1);
    Line(line_, events);
    line_.clear();
  }
  return events;
}

void ServerSentEventReader::Line(std::string_view line, std::vector<ServerSentEvent>& out) {
  if (!started_) {
    started_ = true;
    if (line.starts_with("\xEF\xBB\xBF")) line.remove_prefix(3);
  }
  if (line.empty()) {  // the event is complete; one without data is not dispatched
    if (has_data_) {
      pending_.data.pop_back();  // the "\n" after the last data line
      pending_.id = last_id_;
      out.push_back(std::move(pending_));
    }
    pending_ = ServerSentEvent{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // a comment
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "data") {
    pending_.data.append(value);
    pending_.data.push_back('\n');
    has_data_ = true;
  } else if (field == "event") {
    pending_.event = value.empty() ? "message" : value;
  } else if (field == "id" && value.find('\0') == std::string_view::npos) {
    last_id_ = std::string(value);
  }
  // `retry` and unknown fields mean nothing to us.
}

}  // namespace talky
