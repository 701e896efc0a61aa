/* Our CSP forbids inline event handlers, so the "With selected" menu items carry
   data-admin-action (see templates/admin/actions.html) and are wired up here. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    if (event.target.closest("a.filter")) { event.preventDefault(); return; }
    var link = event.target.closest("[data-admin-action]");
    if (!link) { return; }
    event.preventDefault();
    if (window.modelActions) { window.modelActions.execute(link.getAttribute("data-admin-action")); }
  });
})();

/* Flask-Admin's menus use href="javascript:void(0)" on dropdown toggles; the CSP blocks (and
   reports) javascript: URLs, so cancel that navigation before it happens. Bootstrap still opens
   the menu. */
document.addEventListener("click", function (event) {
  "use strict";
  var link = event.target.closest ? event.target.closest('a[href^="javascript:"]') : null;
  if (link) { event.preventDefault(); }
}, true);
