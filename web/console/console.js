// The operator console's progressive enhancement (docs/console.md §6). Every page works
// without it: forms post, links navigate. With it, ID images zoom and rotate from buttons
// (keyboard reachable), a decision asks for confirmation before it is sent, and the redact
// button stays disabled until the inquiry's id is typed (the server checks it again).

/** @param {HTMLElement} figure */
function enhanceImage(figure) {
  const img = figure.querySelector('img');
  if (!img) return;
  let turns = 0;
  let zoomed = false;
  const bar = document.createElement('div');
  bar.className = 'image-tools';
  /** @param {string} label @param {() => void} act */
  const tool = (label, act) => {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = label;
    button.addEventListener('click', act);
    bar.append(button);
    return button;
  };
  const apply = () => {
    img.style.transform = `rotate(${turns * 90}deg) scale(${zoomed ? 2 : 1})`;
  };
  const zoom = tool('Zoom', () => {
    zoomed = !zoomed;
    zoom.setAttribute('aria-pressed', String(zoomed));
    apply();
  });
  zoom.setAttribute('aria-pressed', 'false');
  tool('Rotate', () => {
    turns = (turns + 1) % 4;
    apply();
  });
  figure.append(bar);
}

/** @param {HTMLFormElement} form */
function confirmDecisions(form) {
  form.addEventListener('submit', (event) => {
    const submitter = /** @type {SubmitEvent} */ (event).submitter;
    if (submitter instanceof HTMLButtonElement && submitter.value === 'decline') {
      if (!window.confirm('Decline this inquiry?')) event.preventDefault();
    }
  });
}

/** @param {HTMLFormElement} form */
function guardRedaction(form) {
  const input = /** @type {HTMLInputElement | null} */ (form.querySelector('input[data-expect]'));
  const button = form.querySelector('button');
  if (!input || !button) return;
  const sync = () => {
    button.disabled = input.value.trim() !== input.dataset.expect;
  };
  input.addEventListener('input', sync);
  sync();
}

for (const figure of document.querySelectorAll('figure.capture')) {
  enhanceImage(/** @type {HTMLElement} */ (figure));
}
for (const form of document.querySelectorAll('form.decision')) {
  confirmDecisions(/** @type {HTMLFormElement} */ (form));
}
for (const form of document.querySelectorAll('form.redact')) {
  guardRedaction(/** @type {HTMLFormElement} */ (form));
}
