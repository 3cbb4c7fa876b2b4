// js-yaml ships no types; the compose test only parses. (It is installed with @nestjs/swagger and jest.)
declare module 'js-yaml' {
  export function load(text: string): unknown;
}
