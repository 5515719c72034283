// The admin key of `talky serve` and `talky run` (it creates tenants over the API): the flag's
// value, else TALKY_ADMIN_KEY, else a new random one that the command prints once.
#pragma once

#include <string>

#include "domain/error.h"

namespace talky {

struct AdminKey {
  std::string key;
  bool generated = false;
};

// Unavailable when a key must be generated and the system's random source fails.
Expected<AdminKey> ResolveAdminKey(const std::string& flag_value);

}  // namespace talky
