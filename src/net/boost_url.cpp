// Boost.URL's compiled part, built into talky_core once (Debian ships its headers without a
// library): the documented header-only use of <boost/url/src.hpp> in exactly one source file.
#include <boost/url/src.hpp>
