"""The report's inline style sheet and script (no network: everything lives in the HTML file)."""
from __future__ import annotations

# Background colour per fact kind; the legend is built from this table.
KIND_COLOURS = {
    "money": "#fde68a",
    "percent": "#bfdbfe",
    "count": "#bbf7d0",
    "quantity": "#e9d5ff",
    "date": "#fecdd3",
    "duration": "#fed7aa",
}
KIND_LABELS = {
    "money": "金额 money",
    "percent": "百分比 percent",
    "count": "计数 count",
    "quantity": "数量 quantity",
    "date": "日期 date",
    "duration": "时长 duration",
}
SEVERITY_COLOURS = {"error": "#dc2626", "warning": "#d97706", "info": "#2563eb"}
SEVERITY_LABELS = {"error": "错误 error", "warning": "警告 warning", "info": "提示 info"}

_FONT = ('"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", '
         '"Microsoft YaHei", "WenQuanYi Micro Hei", system-ui, -apple-system, "Segoe UI", '
         'Roboto, "Helvetica Neue", Arial, sans-serif')


def css() -> str:
    kinds = "\n".join(
        f".f.k-{k}{{background:{c};}} .chip.k-{k}{{background:{c};}}"
        for k, c in KIND_COLOURS.items())
    sevs = "\n".join(
        f".a.sev-{s}{{text-decoration-color:{c};}} .badge.sev-{s}{{background:{c};}}"
        f" .finding.sev-{s}{{border-left-color:{c};}} .ul.sev-{s}{{text-decoration-color:{c};}}"
        f" .doc.hide-{s} .a.sev-{s}{{text-decoration:none;}}"
        for s, c in SEVERITY_COLOURS.items())
    return _CSS.replace("/*KINDS*/", kinds).replace("/*SEVS*/", sevs).replace("/*FONT*/", _FONT)


_CSS = r"""
*{box-sizing:border-box}
body{margin:0;font-family:/*FONT*/;font-size:15px;line-height:1.6;color:#1f2937;background:#f3f4f6}
a{color:#1d4ed8;text-decoration:none} a:hover{text-decoration:underline}
header.top{background:#111827;color:#f9fafb;padding:14px 28px;display:flex;align-items:baseline;gap:18px;flex-wrap:wrap}
header.top h1{font-size:20px;margin:0;font-weight:600}
header.top .meta{color:#9ca3af;font-size:13px}
header.top nav a{color:#93c5fd;margin-right:14px;font-size:14px}
main{padding:18px 28px 60px;max-width:1500px;margin:0 auto}
section.card{background:#fff;border:1px solid #e5e7eb;border-radius:10px;padding:16px 20px;margin:0 0 20px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h2{font-size:18px;margin:0 0 10px;font-weight:600}
h3{font-size:15px;margin:14px 0 8px;font-weight:600;color:#374151}
.legend{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;font-size:13px;color:#374151}
.legend .group{display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center}
.legend .title{font-weight:600;color:#111827}
.chip{display:inline-block;padding:0 8px;border-radius:4px;border:1px solid rgba(0,0,0,.08)}
.ul{padding:0 4px;text-decoration:underline 2px wavy}
.ul.sev-info{text-decoration-style:dotted}
table.summary{border-collapse:collapse;font-size:13px;width:100%}
table.summary th,table.summary td{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;vertical-align:top}
table.summary th{background:#f9fafb;font-weight:600;color:#374151;white-space:nowrap}
table.summary td.num{text-align:right;font-variant-numeric:tabular-nums}
.doc-head{display:flex;justify-content:space-between;align-items:baseline;gap:12px;flex-wrap:wrap}
.doc-head .src{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;color:#6b7280;word-break:break-all}
.status-bad{color:#b91c1c;font-weight:600}
.doc-body{display:grid;grid-template-columns:minmax(0,1fr) minmax(300px,400px);gap:16px;margin-top:12px}
@media (max-width:1000px){.doc-body{grid-template-columns:1fr}}
.text{white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere;font-size:15.5px;line-height:2.0;
 border:1px solid #e5e7eb;border-radius:8px;padding:14px 18px;max-height:78vh;overflow:auto;background:#fffdf8}
.text.na{color:#6b7280;font-style:italic}
.f{border-radius:3px;padding:1px 0;cursor:help}
/*KINDS*/
.a{text-decoration-line:underline;text-decoration-style:wavy;text-decoration-thickness:1.5px;text-underline-offset:4px;cursor:pointer}
.a.sev-info{text-decoration-style:dotted}
/*SEVS*/
.f.involved{outline:2px solid #b91c1c;outline-offset:0}
.a.active{background-image:linear-gradient(rgba(250,204,21,.65),rgba(250,204,21,.65));text-decoration-thickness:2.5px}
.anchor.active{outline:2px solid #111827;height:1.2em;vertical-align:middle}
.anchor{display:inline-block;width:0}
.pb{display:inline-block;font-size:11px;line-height:1.4;color:#fff;background:#6b7280;border-radius:8px;padding:0 7px;margin:0 4px;
 white-space:nowrap;vertical-align:2px;user-select:none;font-style:normal}
.pb::before{content:"第 " attr(data-page) " 页"}
.pgm{color:#9ca3af}
.findings{border:1px solid #e5e7eb;border-radius:8px;background:#fff;max-height:78vh;display:flex;flex-direction:column}
.findings .controls{padding:10px 12px;border-bottom:1px solid #e5e7eb;font-size:13px;display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center;background:#f9fafb;border-radius:8px 8px 0 0}
.findings .controls label{white-space:nowrap;cursor:pointer}
.findings .controls select{font:inherit;max-width:100%}
.findings ol{list-style:none;margin:0;padding:6px;overflow:auto}
.finding{border:1px solid #e5e7eb;border-left:4px solid #9ca3af;border-radius:6px;padding:7px 10px;margin:0 0 6px;cursor:pointer;font-size:13.5px;background:#fff}
.finding:hover{background:#f9fafb}
.finding.selected{background:#fffbeb;border-color:#f59e0b}
.code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:11.5px;color:#4b5563}
.finding .en{color:#6b7280;font-size:12px;margin-top:2px}
.finding .ev{font-size:12px;color:#374151;margin-top:3px}
.finding .ev q{background:#f3f4f6;padding:0 3px;border-radius:3px}
.finding .calc{font-size:12px;color:#374151}
.badge{display:inline-block;color:#fff;font-size:11px;border-radius:4px;padding:0 6px;margin-right:6px;vertical-align:1px}
.empty{color:#6b7280;font-size:13px;padding:10px}
.counts{font-size:12.5px;color:#4b5563}
figure{margin:0 0 16px}
figure img{max-width:100%;height:auto;border:1px solid #e5e7eb;border-radius:6px;background:#fff}
figcaption{font-size:13px;color:#4b5563;margin-top:4px}
.plots{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:16px}
#tip{position:fixed;z-index:50;display:none;max-width:420px;background:#111827;color:#f9fafb;font-size:12.5px;line-height:1.5;
 padding:8px 10px;border-radius:6px;box-shadow:0 6px 18px rgba(0,0,0,.25);pointer-events:none}
#tip table{border-collapse:collapse} #tip td{padding:0 6px 0 0;vertical-align:top} #tip td.k{color:#9ca3af;white-space:nowrap}
#tip .sep{border-top:1px solid #374151;margin:5px 0}
.unlocated{font-size:12.5px;color:#92400e;background:#fffbeb;border:1px solid #fde68a;border-radius:6px;padding:6px 10px;margin-top:8px}
"""

JS = r"""
(function(){
  "use strict";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var tip = document.getElementById("tip");
  function esc(s){return String(s).replace(/[&<>"']/g,function(c){return {"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c];});}
  function row(k,v){return (v===null||v===undefined||v==="")?"":"<tr><td class='k'>"+esc(k)+"</td><td>"+esc(v)+"</td></tr>";}
  function factHtml(f){
    return "<table>"+row("kind",f.kind)+row("text",f.text)+row("value",f.value)+row("unit",f.unit)+
      row("interval",f.interval)+row("approx",f.approx)+row("decimals",f.decimals)+row("date",f.date)+
      row("period",f.period)+row("subject",f.subject)+row("modality",f.modality)+row("role",f.role)+
      row("page",f.page)+row("section",f.section)+"</table>";
  }
  function findingHtml(a){
    return "<div><b>"+esc(a.severity)+"</b> · "+esc(a.code)+"</div><div>"+esc(a.message)+"</div>";
  }
  function showTip(el, ev){
    var parts=[];
    (el.getAttribute("data-f")||"").split(" ").forEach(function(id){ if(id && DATA.facts[id]) parts.push(factHtml(DATA.facts[id])); });
    (el.getAttribute("data-a")||"").split(" ").forEach(function(id){ if(id && DATA.findings[id]) parts.push(findingHtml(DATA.findings[id])); });
    if(!parts.length){ tip.style.display="none"; return; }
    tip.innerHTML = parts.join("<div class='sep'></div>");
    tip.style.display="block"; moveTip(ev);
  }
  function moveTip(ev){
    var w=tip.offsetWidth, h=tip.offsetHeight, x=ev.clientX+14, y=ev.clientY+16;
    if(x+w>window.innerWidth-8) x=Math.max(8, ev.clientX-w-14);
    if(y+h>window.innerHeight-8) y=Math.max(8, ev.clientY-h-16);
    tip.style.left=x+"px"; tip.style.top=y+"px";
  }
  document.addEventListener("mouseover", function(ev){
    var el = ev.target.closest ? ev.target.closest(".f,.a") : null;
    if(el){ showTip(el, ev); } else { tip.style.display="none"; }
  });
  document.addEventListener("mousemove", function(ev){ if(tip.style.display==="block") moveTip(ev); });
  function clear(){
    document.querySelectorAll(".active").forEach(function(e){e.classList.remove("active");});
    document.querySelectorAll(".involved").forEach(function(e){e.classList.remove("involved");});
    document.querySelectorAll(".finding.selected").forEach(function(e){e.classList.remove("selected");});
  }
  function select(li){
    var id = li.getAttribute("data-a"), a = DATA.findings[id]; clear();
    li.classList.add("selected");
    var ev = document.querySelectorAll('.text [data-a~="'+id+'"]');
    ev.forEach(function(e){e.classList.add("active");});
    var first = ev.length ? ev[0] : null;
    (a && a.facts || []).forEach(function(fid){
      document.querySelectorAll('.text [data-f~="'+fid+'"]').forEach(function(e){
        e.classList.add("involved"); if(!first) first=e; });
    });
    if(first){ reveal(first); }
  }
  function reveal(el){
    var box = el.closest(".text");
    if(!box){ el.scrollIntoView({block:"center"}); return; }
    box.scrollIntoView({block:"nearest"});
    var r = el.getBoundingClientRect(), b = box.getBoundingClientRect();
    box.scrollTop += (r.top - b.top) - (box.clientHeight - r.height) / 2;
  }
  document.querySelectorAll(".findings .finding").forEach(function(li){
    li.addEventListener("click", function(){ select(li); });
    li.addEventListener("keydown", function(e){ if(e.key==="Enter"||e.key===" "){ e.preventDefault(); select(li);} });
  });
  document.querySelectorAll(".a").forEach(function(el){
    el.addEventListener("click", function(){
      var id=(el.getAttribute("data-a")||"").split(" ")[0];
      var li=document.querySelector('.finding[data-a="'+id+'"]');
      if(li){ select(li); li.scrollIntoView({block:"nearest"}); }
    });
  });
  function applyFilters(panel){
    var doc = panel.closest(".doc");
    var sev = {}; panel.querySelectorAll("input[data-sev]").forEach(function(c){ sev[c.getAttribute("data-sev")]=c.checked;
      if(doc){ doc.classList.toggle("hide-"+c.getAttribute("data-sev"), !c.checked); } });
    var sel = panel.querySelector("select.code"), code = sel ? sel.value : "";
    var shown = 0;
    panel.querySelectorAll(".finding").forEach(function(li){
      var ok = sev[li.getAttribute("data-sev")] !== false && (!code || li.getAttribute("data-code")===code);
      li.hidden = !ok; if(ok) shown++;
    });
    var c = panel.querySelector(".shown"); if(c) c.textContent = shown;
  }
  document.querySelectorAll(".findings").forEach(function(panel){
    panel.querySelectorAll("input[data-sev],select.code").forEach(function(c){
      c.addEventListener("change", function(){ applyFilters(panel); }); });
    applyFilters(panel);
  });
  function fromHash(){
    var h = decodeURIComponent(location.hash.slice(1));
    if(h.indexOf("find-") !== 0) return;
    var li = document.getElementById(h);
    if(li && li.classList.contains("finding")){ li.hidden = false; select(li); li.scrollIntoView({block:"nearest"}); }
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
  document.documentElement.setAttribute("data-ready","1");
})();
"""
