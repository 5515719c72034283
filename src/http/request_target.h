// Splits an HTTP request target ("/v1/jobs?campaign_id=c%201&status=pending") into its
// percent-decoded path and query parameters, with Boost.URL. Only the origin form that clients
// send to a server ("/path?query") is accepted.
//
// The path is decoded once, so the router matches what the client meant; an encoded "/" ("%2F")
// or NUL ("%00") in the path is refused rather than decoded, because either would let one segment
// pose as two (or cut a string short) once decoded. In the query, "+" is a space, and a repeated
// key keeps its last value. A key without "=" has the empty value.
//
// A pure function: any thread may call it at once.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

struct RequestTarget {
  std::string path;                          // decoded, starts with "/"
  std::map<std::string, std::string> query;  // decoded

  bool operator==(const RequestTarget&) const = default;
};

// kInvalidArgument (field "target") when the target is not a valid origin form or its path holds
// an encoded "/" or NUL.
Expected<RequestTarget> ParseRequestTarget(std::string_view target);

}  // namespace talky
