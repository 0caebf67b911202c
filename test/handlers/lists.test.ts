import * as sagemaker from '@aws-sdk/client-sagemaker';
import { cidrKey, firstRepeat, parseCidr, sameItems } from '../../src/handlers/lists';
import { ApiModel } from '../fakes/api-model';

// How the handler compares the lists it reads from SageMaker and Cognito with the ones the stack
// sets, and how the constructs find repeats: with multiplicity, CIDR blocks by the network.

describe('sameItems: the same items, each as often, in any order', () => {
  test.each<[string[], string[] | undefined, boolean]>([
    [['A', 'A'], ['A', '0.0.0.0/0'], false], // the old comparison took these for the same list
    [['A', '0.0.0.0/0'], ['A', 'A'], false],
    [['A', 'B'], ['B', 'A'], true],
    [['A', 'A', 'B'], ['A', 'B', 'A'], true],
    [['A', 'A', 'B'], ['A', 'B', 'B'], false],
    [['A'], ['A', 'A'], false],
    [[], [], true],
    [['A'], undefined, false],
  ])('%j against %j: %s', (a, b, same) => {
    expect(sameItems(a, b)).toBe(same);
  });

  test('CIDR blocks by the network: spellings of one network are the same, repeats still count', () => {
    expect(sameItems(['2001:DB8::/32', '10.0.0.1/24'], ['10.0.0.0/24', '2001:db8:0::/32'], cidrKey)).toBe(true);
    expect(sameItems(['10.0.0.0/24', '10.0.0.1/24'], ['10.0.0.0/24', '0.0.0.0/0'], cidrKey)).toBe(false);
    expect(sameItems(['10.0.0.0/24'], ['10.0.0.0/16'], cidrKey)).toBe(false);
  });

  test('firstRepeat names the first two items that are the same, in list order', () => {
    expect(firstRepeat(['a', 'b', 'c'])).toBeUndefined();
    expect(firstRepeat(['a', 'b', 'b', 'a'])).toEqual(['b', 'b']);
    expect(firstRepeat(['10.0.0.0/8', '2001:db8::/32', '2001:DB8::1/32'], cidrKey)).toEqual(['2001:db8::/32', '2001:DB8::1/32']);
  });
});

describe('parseCidr: CIDR blocks as SageMaker\'s API model takes them', () => {
  const model = ApiModel.load('sagemaker', '2017-07-24', sagemaker);
  /** True when botocore's model (and the SDK's schema) take `cidr` in an UpdateWorkforce request. */
  const modelTakes = (cidr: string) => {
    try {
      model.check('UpdateWorkforce', { WorkforceName: 'default', SourceIpConfig: { Cidrs: [cidr] } });
      return true;
    } catch {
      return false;
    }
  };

  test.each<[string, string | undefined]>([
    ['203.0.113.0/24', 'ipv4 cb00:7100/24'],
    ['203.0.113.7/24', 'ipv4 cb00:7100/24'],
    ['0.0.0.0/0', 'ipv4 0000:0000/0'],
    ['10.0.0.0/8', 'ipv4 0a00:0000/8'],
    ['2001:db8::/32', 'ipv6 2001:0db8:0000:0000:0000:0000:0000:0000/32'],
    ['2001:DB8:0:0::1/32', 'ipv6 2001:0db8:0000:0000:0000:0000:0000:0000/32'],
    ['::/0', 'ipv6 0000:0000:0000:0000:0000:0000:0000:0000/0'],
    // The model's Cidr pattern matches no IPv6 address with a dotted IPv4 part.
    ['::ffff:192.0.2.1/128', undefined],
    // The model's Cidr pattern: prefix lengths without leading zeros, at most 32 and 128.
    ['10.0.0.0/024', undefined],
    ['2001:db8::/032', undefined],
    ['10.0.0.0/33', undefined],
    ['2001:db8::/129', undefined],
    ['010.0.0.0/8', undefined],
    ['10.0.0.0', undefined],
  ])('%s', (cidr, network) => {
    expect(parseCidr(cidr)?.network).toBe(network);
    // What the library takes is what the API model takes.
    expect(modelTakes(cidr)).toBe(network !== undefined);
  });

  test('negative control: the model check refuses what parseCidr refuses, so the comparison above can fail', () => {
    expect(modelTakes('10.0.0.0/024')).toBe(false);
    expect(modelTakes('10.0.0.0/24')).toBe(true);
  });
});
