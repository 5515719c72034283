#include "store/store_connection_health.h"

namespace talky {

StoreConnectionHealth& StoreConnectionHealthCounters() {
  static StoreConnectionHealth health;
  return health;
}

}  // namespace talky
