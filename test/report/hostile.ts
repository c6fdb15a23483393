// Strings an attacker can put in a capture (DNS names, interface names, comments) or that a careless
// user types: every output must show them as text and never run or load anything because of them.
export const HOSTILE = {
  script: '<script>window.__pwned = 1; fetch("http://203.0.113.9/x")</script>',
  imgOnerror: '"><img src=x onerror="window.__pwned=2">',
  jsUrl: 'javascript:alert(document.domain)',
  styleImport: '<style>@import url(http://203.0.113.9/s.css);</style>',
  mdLink: '[click me](javascript:alert(1)) ![img](http://203.0.113.9/t.png) <http://203.0.113.9/>',
  mdTable: '| cell | breaker |\n# heading\n```\ncode fence',
  control: 'ctl\u0000\u0001\u0007\u001b[31mred\u001b[0m\u007f\u0085\u202e-rtl-\u2028line',
  long: 'x'.repeat(5000) + '.svc.cluster.local',
} as const;

export const HOSTILE_LIST: readonly string[] = Object.values(HOSTILE);
