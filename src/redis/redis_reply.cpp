#include "redis/redis_reply.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>

#include <charconv>

namespace talky::redis {

void ReplyDeleter::operator()(redisReply* reply) const { freeReplyObject(reply); }

ReplyView::ReplyView(const redisReply& reply, std::string_view what)
    : reply_(&reply), what_(what) {}

bool ReplyView::IsError() const { return reply_->type == REDIS_REPLY_ERROR; }
bool ReplyView::IsNil() const { return reply_->type == REDIS_REPLY_NIL; }
bool ReplyView::IsArray() const { return reply_->type == REDIS_REPLY_ARRAY; }
bool ReplyView::IsInteger() const { return reply_->type == REDIS_REPLY_INTEGER; }

std::string_view ReplyView::TypeName() const {
  switch (reply_->type) {
    case REDIS_REPLY_STRING:
      return "a string";
    case REDIS_REPLY_ARRAY:
      return "an array";
    case REDIS_REPLY_INTEGER:
      return "an integer";
    case REDIS_REPLY_NIL:
      return "nil";
    case REDIS_REPLY_STATUS:
      return "a status";
    case REDIS_REPLY_ERROR:
      return "an error";
    default:
      return "a reply of unknown type";
  }
}

Error ReplyView::Unexpected(std::string_view wanted) const {
  std::string message =
      fmt::format("redis answered {} where {} was expected in {}", TypeName(), wanted, what_);
  if (reply_->type == REDIS_REPLY_ERROR) {
    message += fmt::format(" ({})", std::string_view(reply_->str, reply_->len));
  }
  return Error::Internal(std::move(message));
}

Expected<std::string_view> ReplyView::Text() const {
  if (reply_->type != REDIS_REPLY_STRING && reply_->type != REDIS_REPLY_STATUS) {
    return std::unexpected(Unexpected("a string"));
  }
  return std::string_view(reply_->str, reply_->len);
}

Expected<std::int64_t> ReplyView::Integer() const {
  if (reply_->type != REDIS_REPLY_INTEGER) return std::unexpected(Unexpected("an integer"));
  return static_cast<std::int64_t>(reply_->integer);
}

Expected<std::int64_t> ReplyView::IntegerText() const {
  Expected<std::string_view> text = Text();
  if (!text) return std::unexpected(Unexpected("a number as a string"));
  std::int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [stop, error] = std::from_chars(text->data(), end, value);
  if (error != std::errc() || stop != end) {
    return std::unexpected(Error::Internal(
        fmt::format("redis answered '{}' where a number was expected in {}", *text, what_)));
  }
  return value;
}

Expected<std::size_t> ReplyView::Size() const {
  if (reply_->type != REDIS_REPLY_ARRAY) return std::unexpected(Unexpected("an array"));
  return reply_->elements;
}

Expected<ReplyView> ReplyView::At(std::size_t index) const {
  if (reply_->type != REDIS_REPLY_ARRAY) return std::unexpected(Unexpected("an array"));
  if (index >= reply_->elements) {
    return std::unexpected(Error::Internal(
        fmt::format("redis answered an array of {} elements where element {} was expected in {}",
                    reply_->elements, index + 1, what_)));
  }
  return ReplyView(*reply_->element[index], what_);
}

Error ReplyView::ToError(std::string_view doing) const {
  const std::string_view text =
      reply_->type == REDIS_REPLY_ERROR ? std::string_view(reply_->str, reply_->len) : TypeName();
  const std::string message = fmt::format("redis refused {}: {}", doing, text);
  for (std::string_view transient :
       {"LOADING", "BUSY", "READONLY", "OOM", "MASTERDOWN", "TRYAGAIN", "CLUSTERDOWN"}) {
    if (text.starts_with(transient)) return Error::Unavailable(message);
  }
  return Error::Internal(message);
}

bool ReplyView::IsNoScript() const {
  return reply_->type == REDIS_REPLY_ERROR &&
         std::string_view(reply_->str, reply_->len).starts_with("NOSCRIPT");
}

Expected<Reply> ParseReply(std::string_view resp) {
  std::unique_ptr<redisReader, decltype(&redisReaderFree)> reader(redisReaderCreate(),
                                                                  &redisReaderFree);
  if (!reader) return std::unexpected(Error::Internal("out of memory"));
  void* raw = nullptr;
  if (redisReaderFeed(reader.get(), resp.data(), resp.size()) != REDIS_OK ||
      redisReaderGetReply(reader.get(), &raw) != REDIS_OK || raw == nullptr) {
    if (raw != nullptr) freeReplyObject(raw);
    return std::unexpected(Error::InvalidArgument("not one complete RESP reply"));
  }
  return Reply(static_cast<redisReply*>(raw));
}

}  // namespace talky::redis
