// A Redis reply, owned (Reply) and read through a view that checks what it reads (ReplyView):
// each accessor answers kInternal naming what it expected and what came, instead of reading a
// field of another type or past the end of an array. hiredis's redisReply is only forward-declared
// here, so code outside detail/ cannot read it by position or by field.
//
// A Reply is owned by one thread at a time; a ReplyView must not outlive its Reply.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "domain/error.h"

struct redisReply;  // hiredis; complete only in redis/*.cpp

namespace talky::redis {

struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

class ReplyView {
 public:
  // `what` names the reply in error messages ("the take script's reply").
  ReplyView(const redisReply& reply, std::string_view what);
  ReplyView(const Reply& reply, std::string_view what) : ReplyView(*reply, what) {}

  bool IsError() const;
  bool IsNil() const;
  bool IsArray() const;
  bool IsInteger() const;

  // A bulk or status string; kInternal for any other type.
  Expected<std::string_view> Text() const;
  Expected<std::int64_t> Integer() const;
  // A decimal integer sent as a string (Lua's string.format('%.0f')).
  Expected<std::int64_t> IntegerText() const;
  // The element count of an array; kInternal for any other type.
  Expected<std::size_t> Size() const;
  // Element `index` of an array; kInternal for another type or an index past the end.
  Expected<ReplyView> At(std::size_t index) const;

  // An error reply as our error ("-ERR ..."): LOADING/BUSY/READONLY/OOM/MASTERDOWN and the like
  // mean the server cannot serve now (kUnavailable), anything else is our bug (kInternal).
  // `doing` names the command ("the take script"). Only for error replies (IsError()).
  Error ToError(std::string_view doing) const;
  // NOSCRIPT: the server lost its script cache (a restart); the call did not run.
  bool IsNoScript() const;

  std::string_view what() const { return what_; }

 private:
  Error Unexpected(std::string_view wanted) const;
  std::string_view TypeName() const;

  const redisReply* reply_;
  std::string_view what_;
};

// Parses one reply from RESP bytes ("*2\r\n:1\r\n$2\r\nok\r\n"): replies built without a server,
// for tests of the decoders. kInvalidArgument for bytes that are not one complete reply.
Expected<Reply> ParseReply(std::string_view resp);

}  // namespace talky::redis
