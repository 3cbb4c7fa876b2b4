declare module 'email-providers' {
  /** Domains of free-mail and consumer email providers. */
  const domains: string[];
  export default domains;
}
