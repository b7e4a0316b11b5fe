import { describe, expect, it } from 'vitest';
import { parseHttpUrl, splitTarget } from './url.ts';

describe('URLs', () => {
  it('parses http URLs into host, port, path and query', () => {
    expect(parseHttpUrl('http://Example.Test')).toMatchObject({ hostname: 'example.test', port: 80, pathname: '/', search: '', host: 'example.test' });
    expect(parseHttpUrl('HTTP://10.0.0.2:8080/a/b?c=d#frag')).toMatchObject({
      hostname: '10.0.0.2',
      port: 8080,
      pathname: '/a/b',
      search: '?c=d',
      host: '10.0.0.2:8080',
      href: 'http://10.0.0.2:8080/a/b?c=d',
    });
    expect(parseHttpUrl('http://h:80/x?').search).toBe('');
  });

  it('parses https URLs with 443 as the default port, and refuses other schemes', () => {
    expect(parseHttpUrl('https://h/x')).toMatchObject({ scheme: 'https', port: 443, host: 'h', href: 'https://h/x' });
    expect(parseHttpUrl('https://h:8443/')).toMatchObject({ port: 8443, host: 'h:8443' });
    expect(() => parseHttpUrl('ftp://h/')).toThrow(/unsupported scheme/);
  });

  it('splits request targets', () => {
    expect(splitTarget('/a?b=1')).toEqual({ pathname: '/a', search: '?b=1' });
    expect(splitTarget('/a')).toEqual({ pathname: '/a', search: '' });
  });
});
