// Where the cloud providers' keys come from: a secrets file named on the command line
// (`--secrets-file`: NAME=VALUE lines; blank lines and lines starting with '#' are skipped) and
// the process's environment; the file wins. A campaign names a key (its calling_config's
// language_model.api_key_name), never holds it. Values are never logged nor returned by the API.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "domain/error.h"

namespace talky {

class Secrets {
 public:
  // The environment alone.
  Secrets() = default;
  // InvalidArgument naming the file and line of a line that is not NAME=VALUE (the value is not
  // repeated); Unavailable when the file cannot be read.
  static Expected<Secrets> FromFile(const std::string& path);

  std::optional<std::string> Get(std::string_view name) const;

 private:
  std::map<std::string, std::string, std::less<>> file_values_;
};

}  // namespace talky
