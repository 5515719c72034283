#include "app/admin_key.h"

#include <cstdlib>

#include "http/api/api_auth.h"

namespace talky {

Expected<AdminKey> ResolveAdminKey(const std::string& flag_value) {
  if (!flag_value.empty()) return AdminKey{.key = flag_value};
  if (const char* from_environment = std::getenv("TALKY_ADMIN_KEY");
      from_environment != nullptr && *from_environment != '\0') {
    return AdminKey{.key = from_environment};
  }
  Expected<std::string> random = NewApiKey();
  if (!random) return std::unexpected(random.error());
  return AdminKey{.key = "talky_admin_" + random->substr(random->find('_') + 1), .generated = true};
}

}  // namespace talky
