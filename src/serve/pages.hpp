// The service's pages: plain HTML, CSS and a little JavaScript compiled into the binary (no
// CDN, nothing fetched from elsewhere). Every value from outside is HTML-escaped.
#pragma once

#include <string>
#include <vector>

namespace dosegate::serve {

std::string html_escape(const std::string& text);

// `error` is shown above the form ("" for none); `next` the page to go to afterwards.
std::string login_page(const std::string& error, const std::string& next);
std::string forbidden_page(const std::string& user, const std::string& role,
                           const std::string& needed);
// `staff`: the service's user names, whose badges the page takes as a staff scan (another
// person's badge names the staff of the confirmation, as the API's `staff`).
std::string bedside_page(const std::string& user, const std::string& csrf,
                         const std::vector<std::string>& staff);
// `recalls`: the service holds a releaser key, so the page offers the recall form.
std::string qa_page(const std::string& user, const std::string& csrf, bool recalls);
std::string audit_page(const std::string& user, const std::string& csrf);
std::string stylesheet();
std::string script();

}  // namespace dosegate::serve
