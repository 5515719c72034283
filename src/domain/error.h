// Error values for expected failures (bad input, not found, a backend down, a provider error).
// Every layer returns `Expected<T>`; exceptions are kept for start-up and configuration mistakes.
// Plain data: safe to copy between threads.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace talky {

enum class ErrorCode {
  kInvalidArgument,   // the caller's input is wrong; `fields` names what
  kNotFound,          // the thing does not exist (or belongs to another tenant)
  kConflict,          // the request clashes with the current state (duplicate, stale lease)
  kUnavailable,       // a backend or provider cannot be reached; retrying may help
  kPermissionDenied,  // authenticated but not allowed
  kUnauthenticated,   // no valid credentials
  kInternal,          // a bug or an invariant broken
};

std::string_view ToString(ErrorCode code);

// One violated field: `field` is the input's own name for it (a JSON key, a CSV column).
struct FieldError {
  std::string field;
  std::string message;

  bool operator==(const FieldError&) const = default;
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::vector<FieldError> fields;

  static Error InvalidArgument(std::string message, std::vector<FieldError> fields = {});
  static Error NotFound(std::string message);
  static Error Conflict(std::string message);
  static Error Unavailable(std::string message);
  static Error Internal(std::string message);

  // The message followed by every field error, for logs and command-line output.
  std::string Describe() const;
};

template <typename T>
using Expected = std::expected<T, Error>;

// Turns a list of field errors into a value or an InvalidArgument error naming all of them.
template <typename T>
Expected<T> ValueOrFieldErrors(T value, std::vector<FieldError> errors, std::string_view what) {
  if (errors.empty()) return value;
  return std::unexpected(Error::InvalidArgument("invalid " + std::string(what), std::move(errors)));
}

}  // namespace talky
