import { describe, expect, it } from '@jest/globals';

import { allSpellings, caseForms, makeRenamer } from '../../src/template/case-forms.js';

describe('case forms', () => {
  it('spells a kebab-case name in every form', () => {
    expect(caseForms('little-service')).toEqual({
      kebab: 'little-service',
      snake: 'little_service',
      camel: 'littleService',
      pascal: 'LittleService',
      constant: 'LITTLE_SERVICE',
      title: 'Little Service',
    });
    expect(caseForms('billing-api-2')).toMatchObject({
      camel: 'billingApi2',
      pascal: 'BillingApi2',
      constant: 'BILLING_API_2',
    });
    expect(caseForms('demo')).toMatchObject({
      kebab: 'demo',
      snake: 'demo',
      camel: 'demo',
      pascal: 'Demo',
      constant: 'DEMO',
    });
  });

  it('renames every form of the placeholder to the same form of the new name', () => {
    const rename = makeRenamer('little-service', 'billing-api');
    const text =
      'little-service little_service littleService LittleService LITTLE_SERVICE Little Service ' +
      'src/little-service/LittleServiceModel.ts LITTLE_SERVICE_PORT littleServiceQueue';
    expect(rename(text)).toBe(
      'billing-api billing_api billingApi BillingApi BILLING_API Billing Api ' +
        'src/billing-api/BillingApiModel.ts BILLING_API_PORT billingApiQueue',
    );
  });

  it('never renames a replacement again (single pass)', () => {
    // The new name contains the placeholder: a naive loop would recurse.
    const rename = makeRenamer('little-service', 'little-service-v2');
    expect(rename('little-service and LittleService')).toBe('little-service-v2 and LittleServiceV2');
  });

  it('leaves unrelated text alone', () => {
    const rename = makeRenamer('little-service', 'demo');
    expect(rename('a little service, little-services')).toBe('a little service, demos');
  });

  it('lists each spelling once', () => {
    expect(allSpellings('demo')).toEqual(['demo', 'Demo', 'DEMO']);
  });
});
