// Message bodies are untrusted. HTML bodies go through DOMPurify with a small allow-list;
// everything else is rendered as text by the component (never via {@html}).
import DOMPurify from 'dompurify';

const ALLOWED_TAGS = [
  'a', 'b', 'strong', 'i', 'em', 'u', 's', 'p', 'br', 'div', 'span', 'ul', 'ol', 'li',
  'blockquote', 'pre', 'code', 'h1', 'h2', 'h3', 'h4', 'hr', 'table', 'thead', 'tbody',
  'tr', 'th', 'td',
];
const ALLOWED_ATTR = ['href', 'title'];
const SAFE_URL = /^(?:https?:|mailto:)/i;

let hooked = false;
function hook(): void {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName === 'A') {
      const href = node.getAttribute('href') ?? '';
      if (!SAFE_URL.test(href.trim())) node.removeAttribute('href');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  });
}

/** Sanitized HTML for a message body the server marked as HTML. */
export function sanitizeHtml(html: string): string {
  hook();
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOW_DATA_ATTR: false,
    FORBID_TAGS: ['script', 'style', 'iframe', 'object', 'embed', 'form', 'img', 'svg', 'math'],
    FORBID_ATTR: ['style'],
    ALLOWED_URI_REGEXP: SAFE_URL,
  });
}

/** Does a text body look like HTML (so it is sanitized rather than shown with its tags)? */
export function looksLikeHtml(text: string): boolean {
  return /<\/?(p|div|br|b|i|strong|em|a|ul|ol|li|blockquote|span|table|h[1-4])\b[^>]*>/i.test(text);
}
