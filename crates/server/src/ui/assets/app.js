// Palisade's only script. Pages work without it; it adds two conveniences.
'use strict';

// 1. Regions marked data-refresh="SECONDS" (a scan's status while it waits or runs) reload
//    themselves from the same page until the server marks them data-done.
function refresh(el) {
  const seconds = Number(el.dataset.refresh) || 5;
  setTimeout(async () => {
    try {
      const res = await fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
      if (!res.ok) return;
      const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
      const fresh = doc.getElementById(el.id);
      if (!fresh) return;
      el.replaceWith(fresh);
      if (!fresh.hasAttribute('data-done')) refresh(fresh);
    } catch (e) {
      refresh(el);
    }
  }, seconds * 1000);
}
document.querySelectorAll('[data-refresh][id]').forEach(refresh);

// 2. Buttons with data-copy="#selector" copy that element's text.
document.querySelectorAll('button[data-copy]').forEach((button) => {
  button.addEventListener('click', async () => {
    const source = document.querySelector(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    await navigator.clipboard.writeText(source.textContent.trim());
    const text = button.textContent;
    button.textContent = 'Copied';
    setTimeout(() => { button.textContent = text; }, 1500);
  });
});
