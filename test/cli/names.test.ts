import { describe, expect, it } from '@jest/globals';

import {
  environmentNameProblem,
  MAX_SERVICE_NAME_LENGTH,
  serviceNameProblem,
  slugify,
} from '../../src/names.js';

describe('service name rules', () => {
  it.each([
    'a',
    'demo',
    'billing-api',
    'api2',
    'a1-b2-c3',
    'x'.repeat(MAX_SERVICE_NAME_LENGTH),
    `svc-${'x'.repeat(MAX_SERVICE_NAME_LENGTH - 4)}`,
  ])('accepts %p', (name) => {
    expect(serviceNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['Demo', /lowercase.*try "demo"/],
    ['BillingApi', /lowercase/],
    ['billing_api', /hyphens, not underscores.*try "billing-api"/],
    ['billing api', /spaces.*try "billing-api"/],
    ['billing.api', /"\." is not allowed/],
    ['café', /"é" is not allowed/],
    ['1api', /start with a letter/],
    ['-api', /start with a letter.*try "api"/],
    ['billing--api', /single hyphens/],
    ['billing-', /end with a hyphen.*try "billing"/],
    ['x'.repeat(MAX_SERVICE_NAME_LENGTH + 1), /30 characters long; the limit is 29.*-production/],
    ['http', /Node\.js built-in/],
    ['crypto', /Node\.js built-in/],
    ['postgres', /reserved/],
    ['mysql', /reserved/],
  ])('rejects %p', (name, rule) => {
    expect(serviceNameProblem(name)).toMatch(rule);
  });

  it('keeps <name>-production within the 40 characters of an Elastic Beanstalk environment name', () => {
    const longest = 'x'.repeat(MAX_SERVICE_NAME_LENGTH);
    expect(`${longest}-production`).toHaveLength(40);
  });

  it('slugifies the obvious fix', () => {
    expect(slugify('My_Service 2')).toBe('my-service-2');
    expect(slugify('42-things')).toBe('things');
  });
});

describe('environment name rules', () => {
  it.each(['staging', 'production', 'qa-2'])('accepts %p', (env) => {
    expect(environmentNameProblem(env, 'demo')).toBeUndefined();
  });

  it.each([
    ['Prod', undefined, /lowercase/],
    ['pre_prod', undefined, /lowercase/],
    ['production', 'x'.repeat(30), /longer than the 40 characters/],
  ])('rejects %p', (env, service, rule) => {
    expect(environmentNameProblem(env, service)).toMatch(rule);
  });
});
