// A file outside the XML room that includes pugixml: the rooms check must name it.
#include <pugixml.hpp>
