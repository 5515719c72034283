#include "voice/providers/cartesia_message.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>

#include "net/base64.h"

namespace talky {
namespace {

using nlohmann::json;

Error MalformedCartesia(std::string why) {
  return Error::InvalidArgument("a malformed message from Cartesia: " + std::move(why));
}

std::string StringFieldOr(const json& object, const char* key, std::string fallback = "") {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : fallback;
}

// Cartesia's error has carried its words in `title` + `message` + `error_code`, or in `error`.
std::string CartesiaErrorWords(const json& message) {
  std::string words = StringFieldOr(message, "title");
  for (const char* key : {"message", "error"}) {
    if (std::string more = StringFieldOr(message, key); !more.empty()) {
      words += (words.empty() ? "" : ": ") + more;
    }
  }
  if (std::string code = StringFieldOr(message, "error_code"); !code.empty()) {
    words += " (" + code + ")";
  }
  return words.empty() ? "no reason given" : words;
}

// Absent unless a count: a flush_id we cannot read leaves the audio to the sentence in flight.
std::optional<int> FlushIdOf(const json& message) {
  auto found = message.find("flush_id");
  if (found == message.end() || !found->is_number_integer()) return std::nullopt;
  if (found->is_number_unsigned()) {
    const auto id = found->get<std::uint64_t>();
    if (id > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) return std::nullopt;
    return static_cast<int>(id);
  }
  const auto id = found->get<std::int64_t>();
  if (id < 0 || id > std::numeric_limits<int>::max()) return std::nullopt;
  return static_cast<int>(id);
}

}  // namespace

Expected<CartesiaMessage> ReadCartesiaMessage(std::string_view text) {
  const json message = json::parse(text, nullptr, false);
  if (message.is_discarded() || !message.is_object()) {
    return std::unexpected(MalformedCartesia("not a JSON object"));
  }
  auto type = message.find("type");
  if (type == message.end() || !type->is_string())
    return std::unexpected(MalformedCartesia("no type"));
  CartesiaMessage out;
  out.context_id = StringFieldOr(message, "context_id");
  if (auto status = message.find("status_code");
      status != message.end() && status->is_number_integer()) {
    out.status_code = status->get<int>();
  }
  const std::string& name = type->get_ref<const std::string&>();
  if (name == "chunk") {
    out.type = CartesiaMessage::Type::kChunk;
    auto data = message.find("data");
    if (data == message.end() || !data->is_string()) {
      return std::unexpected(MalformedCartesia("a chunk without its data"));
    }
    std::optional<std::string> audio = Base64Decode(data->get_ref<const std::string&>());
    if (!audio) return std::unexpected(MalformedCartesia("a chunk whose data is not base64"));
    out.audio = std::move(*audio);
  } else if (name == "flush_done") {
    out.type = CartesiaMessage::Type::kFlushDone;
  } else if (name == "done") {
    out.type = CartesiaMessage::Type::kDone;
  } else if (name == "error") {
    out.type = CartesiaMessage::Type::kError;
    out.error = CartesiaErrorWords(message);
  }
  if (out.type == CartesiaMessage::Type::kChunk || out.type == CartesiaMessage::Type::kFlushDone) {
    out.flush_id = FlushIdOf(message);
  }
  return out;
}

}  // namespace talky
