(function(){
var $=function(id){return document.getElementById(id);};
var view=$('f-view'),st=$('f-status'),kd=$('f-kind'),q=$('f-path'),n=$('f-count');
var details=document.querySelectorAll('#details details.file'),rows=document.querySelectorAll('#all-files tbody tr');
var PAGE=parseInt($('all-files').getAttribute('data-page'),10),page=0,matching=[];
function ok(el){
  var s=st.value,k=kd.value,t=q.value.toLowerCase(),p=el.getAttribute('data-p')||'';
  return (view.value!=='review'||el.getAttribute('data-r')==='1')&&(!s||el.getAttribute('data-s')===s)
    &&(!k||(' '+el.getAttribute('data-k')+' ').indexOf(' '+k+' ')>=0)&&(!t||p.toLowerCase().indexOf(t)>=0);
}
function show(){
  var pages=Math.max(1,Math.ceil(matching.length/PAGE));
  if(page>=pages)page=pages-1;
  for(var i=0;i<rows.length;i++)rows[i].hidden=true;
  for(var j=page*PAGE;j<Math.min(matching.length,(page+1)*PAGE);j++)matching[j].hidden=false;
  $('pg-info').textContent='page '+(page+1)+' of '+pages;
  $('pg-prev').disabled=page===0;$('pg-next').disabled=page>=pages-1;
  $('pager').hidden=pages<2;
}
function apply(){
  var shownDetails=0;
  for(var i=0;i<details.length;i++){var d=ok(details[i]);details[i].hidden=!d;if(d)shownDetails++;}
  matching=[];for(var j=0;j<rows.length;j++){if(ok(rows[j]))matching.push(rows[j]);}
  page=0;show();
  $('details-none').hidden=shownDetails>0||details.length===0;
  $('no-match').hidden=matching.length>0;
  $('all-files').hidden=matching.length===0;
  n.textContent=matching.length.toLocaleString('en')+' of '+rows.length.toLocaleString('en')+' files match';
}
[view,st,kd].forEach(function(el){el.addEventListener('change',apply);});
q.addEventListener('input',apply);
$('pg-prev').addEventListener('click',function(){page--;show();});
$('pg-next').addEventListener('click',function(){page++;show();});
$('f-conv').addEventListener('change',function(e){document.body.classList.toggle('loud',e.target.checked);});
$('f-clean').addEventListener('change',function(e){document.body.classList.toggle('clean',e.target.checked);});
function all(open){for(var i=0;i<details.length;i++){if(!details[i].hidden)details[i].open=open;}}
$('f-open').addEventListener('click',function(){all(true);});
$('f-close').addEventListener('click',function(){all(false);});
document.addEventListener('click',function(e){
  var b=e.target.closest?e.target.closest('button.ba-t'):null;if(!b)return;
  var tr=b.closest('tr');
  for(var x=tr.nextElementSibling;x&&x.classList.contains('ba');x=x.nextElementSibling)x.hidden=!x.hidden;
});
var go=document.querySelectorAll('button.go');
for(var g=0;g<go.length;g++)go[g].addEventListener('click',function(){
  var d=document.getElementById(this.getAttribute('data-go'));
  if(d){d.hidden=false;d.open=true;d.scrollIntoView();}
});
apply();
})();
