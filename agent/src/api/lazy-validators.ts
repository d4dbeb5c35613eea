// Fastify compiles every route's request schemas when the route is registered: an Ajv instance per server and one
// generated function per schema, i.e. JavaScript source built and compiled at start-up. On the device that is ~9%
// of the agent's start (~77 ms of ~820 ms of CPU on the development machine, a CPU profile; seconds under the
// image's emulated boot), for routes most of which no one calls until the owner opens the phone app. This factory
// hands fastify validators that build Ajv and compile the schema on their first call instead: same validator,
// same errors, paid once per route when it is first used.
import AjvCompiler, { type ValidatorFactory } from '@fastify/ajv-compiler';

interface RouteSchema {
  schema: unknown;
  method: string;
  url: string;
  httpPart?: string;
}
// The part of Ajv's ValidateFunction fastify uses: call it, read `errors` off it.
type Validate = ((data: unknown) => unknown) & { errors?: unknown[] | null };
type Compile = (route: RouteSchema) => Validate;
export type Factory = (externalSchemas: unknown, options: unknown) => Compile;

/** `build` is fastify's own factory unless a test passes another. */
export function lazyValidatorFactory(build: Factory = AjvCompiler() as unknown as Factory): ValidatorFactory {
  const factory: Factory = (externalSchemas, options) => {
    let compile: Compile | undefined;
    return (route) => {
      // A factory of our own makes fastify pass header schemas through as written: its own factory gets them with
      // lower-cased keys. No route of the agent has one; fail at registration rather than validate wrongly.
      if (route.httpPart === 'headers') throw new Error(`${route.method} ${route.url}: header schemas are not supported (lazy-validators.ts)`);
      let validate: Validate | undefined;
      const lazy: Validate = (data) => {
        validate ??= (compile ??= build(externalSchemas, options))(route);
        const ok = validate(data);
        lazy.errors = validate.errors; // fastify reads the errors off the function it called, Ajv-style
        return ok;
      };
      return lazy;
    };
  };
  return factory as unknown as ValidatorFactory;
}
