/* gongzhi: a filter box over a long checkbox list (e.g. 76 units to pick co-units from). Progressive enhancement:
   without script the list is a scrollable box of checkboxes; with it, typing narrows the list and the chosen ones
   are counted. Lists are found by their options' class "picker-option". */
(function () {
  "use strict";
  function enhance(list) {
    if (list.dataset.pickerReady) { return; }
    list.dataset.pickerReady = "1";
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "picker-filter";
    filter.placeholder = list.dataset.placeholder || "输入名称筛选";
    filter.setAttribute("aria-label", filter.placeholder);
    var count = document.createElement("div");
    count.className = "picker-count small muted";
    list.parentNode.insertBefore(filter, list);
    list.parentNode.insertBefore(count, list.nextSibling);
    var rows = Array.prototype.slice.call(list.querySelectorAll("label"));
    function update() {
      var term = filter.value.trim();
      rows.forEach(function (label) {
        var box = label.parentNode.tagName === "DIV" && label.parentNode !== list ? label.parentNode : label;
        var input = label.querySelector("input");
        box.hidden = term !== "" && label.textContent.indexOf(term) === -1 && !(input && input.checked);
      });
      var chosen = list.querySelectorAll("input:checked").length;
      count.textContent = chosen ? "已选 " + chosen + " 个" : "";
    }
    filter.addEventListener("input", update);
    list.addEventListener("change", update);
    update();
  }
  document.addEventListener("DOMContentLoaded", function () {
    var seen = [];
    document.querySelectorAll("input.picker-option").forEach(function (input) {
      var list = input.closest("div[id]");
      if (list && seen.indexOf(list) === -1) { seen.push(list); enhance(list); }
    });
  });
})();
