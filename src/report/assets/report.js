
function applyFilters() {
  const shown = new Set([...document.querySelectorAll('input[name=status]:checked')].map(i => i.value));
  const profile = document.getElementById('profile').value;
  let visible = 0;
  document.querySelectorAll('details.case').forEach(d => {
    const ok = shown.has(d.dataset.status) && (profile === 'all' || d.dataset.profile === profile);
    d.classList.toggle('hidden', !ok);
    if (ok) visible++;
  });
  document.getElementById('visible').textContent = visible;
}
document.querySelectorAll('.filters input, .filters select').forEach(e => e.addEventListener('change', applyFilters));
applyFilters();
