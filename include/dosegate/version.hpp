#pragma once

namespace dosegate {
const char* version();  // "0.1.0"
}
