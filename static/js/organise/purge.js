/* The organiser's "Erase personal data now" form asks once more before it is sent. */
(function () {
  "use strict";
  document.querySelectorAll("form.purge-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
})();
